/* eslint-disable @typescript-eslint/no-explicit-any -- Swagger UI's components and Immutable maps, untyped here */

/**
 * Swagger UI plugins. They run in the browser: Nest writes them into `/docs/swagger-ui-init.js` with
 * `toString()`, so they may use nothing from outside their own body.
 */

/**
 * Lists an operation's responses in the order a reader needs them: 201 first (what a new callback gets),
 * then by status code. Swagger UI shows them in the document's key order, which for status codes is
 * always ascending (JavaScript objects order integer keys), so 200 (a replay) came before 201.
 */
export function createdFirstPlugin(): unknown {
  return {
    wrapComponents: {
      responses:
        (Original: any, system: any) =>
        (props: any): unknown => {
          const responses = props.responses?.sortBy
            ? props.responses.sortBy((_response: unknown, code: string) => (code === '201' ? 0 : Number(code) || 999))
            : props.responses;
          return system.React.createElement(Original, { ...props, responses });
        },
    },
  };
}
