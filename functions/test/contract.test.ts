import fs from 'node:fs';
import path from 'node:path';
import { contractFiles } from '../src/contract/jsonSchemas';

const dir = path.join(__dirname, '..', '..', 'contract');

describe('contract/', () => {
  test('the committed JSON Schema files are exactly what the zod schemas generate (run `npm run contract` after changing one)', () => {
    const generated = contractFiles();
    expect(fs.readdirSync(dir).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, content] of Object.entries(generated)) expect(`${name}:\n${fs.readFileSync(path.join(dir, name), 'utf8')}`).toBe(`${name}:\n${content}`);
  });

  test('the schemas say what a client must send', () => {
    const submit = JSON.parse(fs.readFileSync(path.join(dir, 'submitAnswer.input.json'), 'utf8'));
    expect(submit).toMatchObject({ type: 'object', required: expect.arrayContaining(['gameId', 'q', 'choice']), additionalProperties: false });
    const events = JSON.parse(fs.readFileSync(path.join(dir, 'gameEvent.json'), 'utf8'));
    expect(events.oneOf ?? events.anyOf).toHaveLength(9);
  });
});
