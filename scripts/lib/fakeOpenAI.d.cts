export function startFakeOpenAI(options?: { port?: number }): Promise<{ url: string; close(): Promise<void> }>;
