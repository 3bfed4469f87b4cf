/** When a probe is judged, relative to the fault. */
export enum ProbePhase {
  /** Over a window just before the experiment starts: the steady state. A failure injects nothing. */
  BEFORE = "Before",
  /** From the fault's first injection to its last instance's restore. */
  DURING = "During",
  /** Over a window just after the fault ends: the system came back. */
  AFTER = "After",
  /** Before, and after again. */
  BEFORE_AND_AFTER = "BeforeAndAfter",
  /** Before, during and after. */
  CONTINUOUSLY = "Continuously",
}
