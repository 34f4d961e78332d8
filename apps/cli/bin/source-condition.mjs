// Module hook for running OpenKassa from its TypeScript sources (development, tests): resolve
// the workspace packages to their src/ (the "openkassa-source" condition of their exports)
// instead of the compiled dist/.
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier, { ...context, conditions: [...context.conditions, 'openkassa-source'] });
}
