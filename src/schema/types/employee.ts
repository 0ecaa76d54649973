import type { UnifiedCrew, UnifiedEmployee, UnifiedLocation } from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { EmployeeConnection, pagingArgs, resolveList } from "../connections.js";
import { SourceEnum } from "../enums.js";
import { CrewRef, EmployeeRef, LocationRef, NodeRef } from "../refs.js";
import { loadByGlobalId } from "./node.js";
import { related } from "./reference.js";

EmployeeRef.implement({
  description: "An employee of the business (JobCloser): crew members, applicators, office staff.",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Employee",
  fields: (t) => ({
    firstName: t.exposeString("firstName", { description: "Given name." }),
    lastName: t.exposeString("lastName", { description: "Family name." }),
    name: t.string({ description: "Full name.", resolve: (e) => `${e.firstName} ${e.lastName}`.trim() }),
    email: t.exposeString("email", { nullable: true, description: "Email address." }),
    phone: t.exposeString("phone", { nullable: true, description: "Phone number." }),
    title: t.exposeString("title", { nullable: true, description: "Job title, e.g. Applicator." }),
    active: t.exposeBoolean("active", { description: "Whether the employee is active." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the employee was created upstream.",
      resolve: (e) => e.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the employee last changed upstream.",
      resolve: (e) => e.updatedAt,
    }),
    crew: t.field({
      type: CrewRef,
      nullable: true,
      description: "The crew the employee belongs to.",
      resolve: (employee, _args, context) => related<UnifiedCrew>(context, employee, "Crew", employee.crewId),
    }),
    location: t.field({
      type: LocationRef,
      nullable: true,
      description: "The branch the employee works from.",
      resolve: (employee, _args, context) =>
        related<UnifiedLocation>(context, employee, "Location", employee.locationId),
    }),
  }),
});

builder.queryFields((t) => ({
  employee: t.field({
    type: EmployeeRef,
    nullable: true,
    description: "An employee by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The employee's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedEmployee>(context, args.id, "Employee"),
  }),
  employees: t.field({
    type: EmployeeConnection,
    nullable: true,
    description: "Employees of every source that lists them (JobCloser), by last and first name.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's employees." }),
    },
    resolve: (_root, args, context, info) => resolveList(context, info, "employees", args, () => ({})),
  }),
}));
