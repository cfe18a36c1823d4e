export default async function globalTeardown() {
  globalThis.__CONTROL__?.close();
  await globalThis.__STACK__?.stop();
  await globalThis.__OPENAI__?.close();
}
