// The generated fetch client casts to the DOM's BodyInit, which Node's types name only through RequestInit.
declare global {
  type BodyInit = NonNullable<RequestInit['body']>;
}

export {};
