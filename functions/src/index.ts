// The deployed functions, one line each. Everything else lives in its capability folder.
export { requestGeneration, generateQuestionPool } from './generation/handlers';
export { drawQuestions, checkAnswers } from './pools/handlers';
