/** Links into the AWS console, for the report and the execution's output. */

/** The AWS console's host for a region's partition. */
export function consoleHost(region: string): string {
  if (region.startsWith("cn-")) return "console.amazonaws.cn";
  if (region.startsWith("us-gov-")) return "console.amazonaws-us-gov.com";
  return "console.aws.amazon.com";
}

/** The address of a console page: `path` under the region's console host. */
export const consoleUrl = (region: string, path: string): string => `https://${consoleHost(region)}/${path}`;
