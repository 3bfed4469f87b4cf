/** A tag as the tunables and OPT_IN_TAG write it: key:value, split at the first colon. */
export interface Tag {
  readonly key: string;
  readonly value: string;
}

export function parseTag(text: string): Tag {
  const colon = text.indexOf(":");
  return colon < 0 ? { key: text, value: "" } : { key: text.slice(0, colon), value: text.slice(colon + 1) };
}

export function formatTag(tag: Tag): string {
  return `${tag.key}:${tag.value}`;
}

export function carriesTag(tags: readonly { Key?: string; Value?: string }[] | undefined, tag: Tag): boolean {
  return (tags ?? []).some((t) => t.Key === tag.key && (t.Value ?? "") === tag.value);
}
