import { normalizeQuestionText, questionIdOf } from '../src/questions/question';

describe('question ids', () => {
  test('ignore case, accents, punctuation and spacing', () => {
    expect(questionIdOf('Quelle est la capitale de la France ?')).toBe(questionIdOf('quelle  est la capitale de la FRANCE'));
    expect(questionIdOf('Où est l’Élysée ?')).toBe(questionIdOf("ou est l'elysee"));
  });

  test('keep flags apart: the emoji is the question', () => {
    expect(normalizeQuestionText('Which flag? 🇫🇷')).not.toBe(normalizeQuestionText('Which flag? 🇧🇪'));
    expect(questionIdOf('Which flag? 🇫🇷')).not.toBe(questionIdOf('Which flag? 🇧🇪'));
  });

  test('differ when the words differ', () => {
    expect(questionIdOf('What is the capital of Peru?')).not.toBe(questionIdOf('What is the capital of Chile?'));
  });
});
