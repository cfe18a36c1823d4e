// The game engine: pure TypeScript and zod, no Firebase or Postgres, so a live game server can use it as is.
export * from './events';
export * from './scoring';
export * from './state';
export * from './applyEvent';
export * from './size';
