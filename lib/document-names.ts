/**
 * Names in and of the fault's documents, which the renderer (scripts/), the constructs and the
 * handlers share.
 *
 * The program's parts are SSM documents beside the fault's document, which that document's download
 * steps fetch (scripts/program-parts.ts renders them). Each part's name is the fault document's,
 * then `-program-`, then the first 16 hexadecimal digits of the SHA-256 of the lines it holds.
 */

/** The step that runs the script: its output is the one the handlers read. */
export const SCRIPT_STEP = "HttpResetPeer";

const INFIX = "-program-";
const DIGEST_LENGTH = 16;

/** A part's name for a fault document of the given name. */
export const partName = (documentName: string, digest: string): string => `${documentName}${INFIX}${digest}`;

/** The digest a part's name ends with. */
export const partDigest = (name: string): string => name.slice(-DIGEST_LENGTH);

/** How long the fault document's name may be, for its parts' names to stay within SSM's 128 characters. */
export const MAX_DOCUMENT_NAME_LENGTH = 128 - INFIX.length - DIGEST_LENGTH;

/** How a part is named in a download step's sourceInfo: pinned to its first and only version. */
export const pinnedPart = (name: string): string => `${name}:1`;

/** The part a download step's sourceInfo names, without its version. */
export const unpinnedPart = (sourceName: string): string => sourceName.replace(/:[0-9]+$/, "");
