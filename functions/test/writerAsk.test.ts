import { writerAsk } from '../src/generation/writerAsk';

// How many questions a paid writer is asked for (issue 17, verified-token cost): a call that comes
// up short costs a tail call that pays the pool's EXISTING list again.

describe('writerAsk', () => {
  test('the first call asks for what is wanted, within the per-call cap', () => {
    expect(writerAsk(8, 0, 0, 25)).toBe(8);
    expect(writerAsk(100, 0, 0, 25)).toBe(25);
    expect(writerAsk(0, 10, 3, 25)).toBe(0);
  });

  test('later calls ask for what the screen and the verifier turned away so far, too', () => {
    // 80 kept of 100 judged: 8 wanted → 10 asked.
    expect(writerAsk(8, 80, 20, 25)).toBe(10);
    expect(writerAsk(8, 100, 0, 25)).toBe(8);
    expect(writerAsk(24, 80, 20, 25)).toBe(25);
  });

  test('a request whose candidates mostly fail is asked for at most twice what it wants', () => {
    expect(writerAsk(5, 1, 99, 25)).toBe(10);
  });
});
