import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType } from "graphql";
import { describe, expect, it } from "vitest";
import { schema } from "../../src/schema/index.js";

/** GraphiQL is the documentation people read: every type, field, argument and enum value is described. */
describe("schema documentation", () => {
  it("has a description on every type, field, argument and enum value", () => {
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith("__") || ["String", "Int", "Float", "Boolean", "ID"].includes(type.name))
        continue;
      if (!type.description?.trim()) missing.push(type.name);
      if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description?.trim()) missing.push(`${type.name}.${field.name}`);
          for (const arg of "args" in field ? field.args : []) {
            if (!arg.description?.trim()) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if (isEnumType(type)) {
        for (const value of type.getValues()) {
          if (!value.description?.trim()) missing.push(`${type.name}.${value.name}`);
        }
      }
      if (isScalarType(type) && !type.description) missing.push(type.name);
    }
    expect(missing).toEqual([]);
  });

  it("makes every record type a Node with id, source and sourceId", () => {
    const node = schema.getType("Node");
    if (!isInterfaceType(node)) throw new Error("no Node interface");
    expect(Object.keys(node.getFields())).toEqual(["id", "source", "sourceId"]);
    expect(
      schema
        .getImplementations(node)
        .objects.map((type) => type.name)
        .sort(),
    ).toEqual([
      "Asset",
      "ChemicalApplication",
      "Crew",
      "Customer",
      "Employee",
      "Estimate",
      "Invoice",
      "Job",
      "Lead",
      "Location",
      "Payment",
      "Product",
      "SiteVisit",
      "Vendor",
    ]);
  });
});
