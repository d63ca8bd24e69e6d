// The page's settings in its address: "?epochs=20&sampler=ddim" lists the fields that differ
// from the page's defaults, in the page's order, so a copied address opens the same setup.
// Pure (no DOM): web/form.ts reads and writes the fields.

/** [field id, value] in page order. */
export type FieldValues = readonly (readonly [string, string])[];

/** The query ("" or "?a=1&b=2") of the fields whose values differ from `defaults`. */
export function addressQuery(values: FieldValues, defaults: FieldValues): string {
  const before = new Map(defaults);
  const params = new URLSearchParams();
  for (const [id, value] of values) if (before.get(id) !== value) params.append(id, value);
  const query = params.toString();
  return query ? `?${query}` : '';
}
