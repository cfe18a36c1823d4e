import { poolParamsSchema } from '../src/questions/poolParams';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { OpenAIGenerator } from '../src/questions/openai/openaiGenerator';
import { pickGenerator } from '../src/questions/pickGenerator';
import { InvalidInputError } from '../src/shared/errors';

const facts = new FactsGenerator();
const openai = new OpenAIGenerator({ apiKey: 'k', baseURL: 'http://127.0.0.1:9/v1', model: 'm', questionsPerCall: 10, timeoutMs: 1000 });
const params = (patch: Record<string, unknown>) =>
  poolParamsSchema.parse({ lang: 'en', country: 'US', level: 'easy', subject: 'geography', theme: 'world', type: 'mcq', ...patch });

describe('pickGenerator', () => {
  test('prefers the free, verified facts generator whenever it can serve the pool', () => {
    expect(pickGenerator([facts, openai], params({})).name).toBe('facts');
  });

  test('falls back to the model for what facts cannot serve', () => {
    expect(pickGenerator([facts, openai], params({ subject: 'history' })).name).toBe('openai');
    expect(pickGenerator([facts, openai], params({ lang: 'de' })).name).toBe('openai');
  });

  test('without a model key, an unservable pool is invalid input that says why', () => {
    expect(() => pickGenerator([facts], params({ subject: 'history' }))).toThrow(InvalidInputError);
    expect(() => pickGenerator([facts], params({ subject: 'history' }))).toThrow(/No question generator can serve this pool: the facts generator covers the subject "geography", not "history"/);
  });
});
