export default async function globalTeardown() {
  await globalThis.__STACK__?.stop();
}
