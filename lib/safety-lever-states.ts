/** The values of the safety lever's parameter: engaged stops and refuses experiments. */
export const LEVER = { engaged: "engaged", released: "released" } as const;
