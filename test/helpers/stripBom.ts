/**
 * Stands in for `strip-bom`, an ES module that `@microsoft/app-manifest` requires from CommonJS.
 * Node 20.19+ loads it, but jest's module loader cannot before Node 24.9 (see jest.config.js).
 */
export default function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
