import { errorEnvelope, Page, successEnvelope } from './envelope';

describe('the envelope', () => {
  it('should wrap one resource with total_record and current_page of 1', () => {
    expect(successEnvelope(201, { id: 'a' })).toEqual({
      code: 201,
      data: { id: 'a' },
      message: 'Created',
      errors: null,
      total_record: 1,
      current_page: 1,
    });
  });

  it('should turn a Page into its items, its total and its page number', () => {
    expect(successEnvelope(200, new Page([{ id: 'a' }, { id: 'b' }], 42, 3))).toEqual({
      code: 200,
      data: [{ id: 'a' }, { id: 'b' }],
      message: 'OK',
      errors: null,
      total_record: 42,
      current_page: 3,
    });
  });

  it('should answer null data rather than undefined', () => {
    expect(successEnvelope(200, undefined).data).toBeNull();
  });

  it('should carry errors with null data and zero counts', () => {
    expect(errorEnvelope(400, 'Validation failed: msisdn.', { msisdn: { isDefined: 'msisdn is required' } })).toEqual({
      code: 400,
      data: null,
      message: 'Validation failed: msisdn.',
      errors: { msisdn: { isDefined: 'msisdn is required' } },
      total_record: 0,
      current_page: 0,
    });
  });
});
