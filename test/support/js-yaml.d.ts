/** The part of js-yaml (a dev dependency, no bundled types) the tests use. */
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
