import { describe, expect, it } from "vitest";
import { looksLikeKey, normalizeKey } from "../lib/keyShape";

describe("key shape", () => {
  it("tolerates spaces, line breaks, dashes and lowercase", () => {
    expect(normalizeKey(" 7k3qd-m2xwp 9rt4b\nhc6nv-e8jza-qf0y5 ")).toBe("7K3QDM2XWP9RT4BHC6NVE8JZAQF0Y5");
    expect(looksLikeKey("7k3qd m2xwp 9rt4b hc6nv e8jza qf0y5")).toBe(true);
  });

  it("refuses short keys and strange characters", () => {
    expect(looksLikeKey("7K3QD-M2XWP")).toBe(false);
    expect(looksLikeKey("7K3QD-M2XWP-9RT4B-HC6NV-E8JZA-QF0Y!")).toBe(false);
    expect(looksLikeKey("")).toBe(false);
  });
});
