import { jsonArrayItems } from './json-array-items';
import { RawJson } from './raw-json';

const read = (text: string) => jsonArrayItems(new RawJson(text, JSON.parse(text)));

describe('jsonArrayItems', () => {
  it('should give each element its exact text, whatever the spacing', () => {
    const items = read(' [ {"a": 1e309} ,\n\t{"b":[1,{"c":"]"}]}, 9007199254740993 , "x,y" , null ] ');
    expect(items?.map((item) => item.text)).toEqual([
      '{"a": 1e309}',
      '{"b":[1,{"c":"]"}]}',
      '9007199254740993',
      '"x,y"',
      'null',
    ]);
    expect(items?.[1].value).toEqual({ b: [1, { c: ']' }] });
  });

  it('should not be fooled by escaped quotes, backslashes and brackets inside strings', () => {
    const values = [{ n: 'a \\" ] } , ["} {"]' }, { m: '\\' }, 'tail"', ['[', ']']];
    const items = read(JSON.stringify(values));
    expect(items?.map((item) => item.text)).toEqual(values.map((value) => JSON.stringify(value)));
  });

  it('should answer undefined for a body that is not an array, and [] for an empty one', () => {
    expect(read('{"a":[1,2]}')).toBeUndefined();
    expect(read('"[1]"')).toBeUndefined();
    expect(read('[ ]')).toEqual([]);
  });

  it('should serialise the elements of a value that has no text of its own', () => {
    expect(jsonArrayItems(RawJson.of([{ a: 1 }, 2]))?.map((item) => item.text)).toEqual(['{"a":1}', '2']);
    expect(jsonArrayItems(new RawJson('not the text', [1, 2]))?.map((item) => item.text)).toEqual(['1', '2']);
  });
});
