import { readTunables, tunableString, TUNABLES } from "../../lib/tunables";

test("every default of the Harness fault passes its own pattern", () => {
  expect(
    readTunables(Object.fromEntries(Object.values(TUNABLES).map((t) => [t.key, t.default]))).problems,
  ).toEqual([]);
});

test.each([
  [TUNABLES.TARGET_SERVICE_PORT, 8080, "8080"],
  [TUNABLES.TARGET_SERVICE_PORT, " 0080 ", "80"],
  [TUNABLES.INSTALL_DEPENDENCIES, true, "True"],
  [TUNABLES.INSTALL_DEPENDENCIES, "false", "False"],
  [TUNABLES.INSTALL_DEPENDENCIES, "FALSE", "False"],
  [TUNABLES.SEQUENCE, "Parallel", "parallel"],
  [TUNABLES.REGION, " eu-west-1 ", "eu-west-1"],
  [TUNABLES.REGION, true, undefined],
  [TUNABLES.RAMP_TIME, Number.NaN, undefined],
  [TUNABLES.PROXY, ["http://proxy"], undefined],
])("%s: %j reads as %j", (definition, value, expected) => {
  expect(tunableString(definition, value)).toBe(expected);
});

test("later layers override earlier ones; null keeps what was there", () => {
  const { values, problems } = readTunables(
    { RAMP_TIME: "10", PROXY: "http://a" },
    { RAMP_TIME: 20, PROXY: null },
  );
  expect(problems).toEqual([]);
  expect(values).toMatchObject({ RAMP_TIME: "20", PROXY: "http://a", NETWORK_INTERFACE: "eth0" });
});

test("a long bad value is cut short in the message", () => {
  const { problems } = readTunables({ NETWORK_INTERFACE: "x".repeat(500) });
  expect(problems[0].length).toBeLessThan(250);
});

test("ResetAfterBytes is refused by name without ResetAt=response, whichever layer sets either", () => {
  expect(readTunables({ RESET_AFTER_BYTES: 10 }).problems).toEqual([
    "RESET_AFTER_BYTES applies only with RESET_AT=response (RESET_AT is request)",
  ]);
  expect(
    readTunables({ RESET_AT: "response", RESET_AFTER_BYTES: 10 }, { RESET_AT: "connect" }).problems,
  ).toEqual(["RESET_AFTER_BYTES applies only with RESET_AT=response (RESET_AT is connect)"]);
  expect(readTunables({ RESET_AFTER_BYTES: 10 }, { RESET_AT: "Response" }).problems).toEqual([]);
});

test("ResetMethods and ResetPaths: methods in capitals, prefixes from /, never with ResetAt=connect", () => {
  const { values, problems } = readTunables({ RESET_METHODS: "POST,PATCH", RESET_PATHS: "/api/,/checkout" });
  expect(problems).toEqual([]);
  expect(values).toMatchObject({ RESET_METHODS: "POST,PATCH", RESET_PATHS: "/api/,/checkout" });
  expect(readTunables({ RESET_METHODS: "post" }).problems).toEqual([
    "RESET_METHODS names methods in capitals, as requests carry them: HTTP methods are case-sensitive",
  ]);
  for (const paths of ["api", "/api,", "/api,checkout", ","]) {
    expect(readTunables({ RESET_PATHS: paths }).problems).toEqual([
      "RESET_PATHS is a comma-separated list of path prefixes, each beginning with /",
    ]);
  }
  // What the document's script could not hold safely, and what a prefix never matches.
  for (const paths of ["/a b", "/a?b", '/a"', "/$HOME", "/a'b", "/a\\b", "/" + "a".repeat(1024)]) {
    expect(readTunables({ RESET_PATHS: paths }).problems).toEqual([
      expect.stringMatching(/^RESET_PATHS must be/),
    ]);
  }
  expect(readTunables({ RESET_METHODS: "GET,".repeat(16) + "PUT" }).problems).toHaveLength(1);
  expect(
    readTunables({ RESET_AT: "connect", RESET_PATHS: "/api" }, { RESET_METHODS: "POST" }).problems,
  ).toEqual([
    "RESET_METHODS applies only with RESET_AT=request or RESET_AT=response (RESET_AT is connect)",
    "RESET_PATHS applies only with RESET_AT=request or RESET_AT=response (RESET_AT is connect)",
  ]);
});
