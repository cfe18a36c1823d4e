export default async function globalTeardown() {
  await globalThis.__STACK__?.stop();
  await globalThis.__OPENAI__?.close();
}
