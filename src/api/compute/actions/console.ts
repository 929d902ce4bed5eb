import { ActionGroup, bodyOf } from './types';

/** The schema admits an integer, a digit string, -1 or null; -1 and null both mean the whole log. */
const consoleLength = (length: number | string | null | undefined): number | null =>
  length === undefined || length === null ? null : Number(length);

/** os-getConsoleOutput: the container's log. */
export const consoleActions: ActionGroup = {
  'os-getConsoleOutput': {
    body: bodyOf('os-getConsoleOutput', {
      type: 'object',
      properties: {
        // -1 or null: the whole log. Nova's pattern is ^-?[0-9]+$, but its minimum only binds
        // integers, so "-5" passed and gave a garbled cut; a string may only be -1 or digits here
        length: { type: ['integer', 'string', 'null'], pattern: '^(-1|[0-9]+)$', minimum: -1 },
      },
      additionalProperties: false,
    }),
    response: { type: 'object', properties: { output: { type: 'string' } }, required: ['output'], additionalProperties: false },
    handle: async (s, auth, id, body) => {
      const output = await s.compute.getConsoleOutput(auth, id, consoleLength(body['os-getConsoleOutput'].length));
      return { status: 200, body: { output } };
    },
  },
};
