import { describe, expect, it } from 'vitest';
import { stem } from './terms.js';

describe('stem', () => {
  // Expected values are what the regular expressions it replaced gave (crude on purpose: "runn", "bos").
  it.each([
    ['soldiers', 'soldier'],
    ['elections', 'election'],
    ['studies', 'study'],
    ['ties', 'tie'],
    ['was', 'was'],
    ["bus's", 'bus'],
    ['boss’s', 'bos'],
    ["cities'", 'city'],
    ['running', 'runn'],
    ['need', 'need'],
    ['bred', 'bred'],
    ['cafés', 'cafés'],
    ['1234s', '1234'],
    ["ab'es", "ab'es"],
  ])('%s → %s', (word, expected) => {
    expect(stem(word)).toBe(expected);
  });
});
