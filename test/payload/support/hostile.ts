/** Values that must never get past any parameter's pattern: shell syntax, control characters, size. */
export const HOSTILE_VALUES: readonly string[] = [
  "80; reboot",
  "80 && touch /tmp/hrp-pwned",
  "$(touch /tmp/hrp-pwned)",
  "`touch /tmp/hrp-pwned`",
  "${IFS}",
  "eth0|sh",
  "eth0>out",
  "80\n81",
  "80\r",
  "eth0\ttouch",
  '"quoted"',
  "'quoted'",
  "back\\slash",
  " 80",
  "80 ",
  "x".repeat(3000),
];

/** Where a hostile value would leave its mark if it were ever run. */
export const PWNED_MARKER = "/tmp/hrp-pwned";

/** Out of range for every integer parameter. */
export const OUT_OF_RANGE = ["-1", "99999999999999999999", "1e3", "0x50", "80.0"];
