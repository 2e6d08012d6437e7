/** The word as the features of a sentence in capitals see it: "KYIV" as "Kyiv". */
export const casedFor = (word: string, caps: boolean) => (caps && word.length > 1 ? word[0] + word.slice(1).toLowerCase() : word);
