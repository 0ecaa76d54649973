import type { UnifiedCrew, UnifiedEmployee, UnifiedLocation } from "../../datasources/unified.js";
import { builder } from "../builder.js";
import { CrewConnection, JobConnection, pagingArgs, resolveList } from "../connections.js";
import { JobStatusEnum, SourceEnum } from "../enums.js";
import { CrewRef, EmployeeRef, LocationRef, NodeRef } from "../refs.js";
import { loadByGlobalId } from "./node.js";
import { related } from "./reference.js";

CrewRef.implement({
  description: "A crew: a team of employees sent out on jobs together (JobCloser).",
  interfaces: [NodeRef],
  isTypeOf: (value) => (value as { __typename?: string }).__typename === "Crew",
  fields: (t) => ({
    name: t.exposeString("name", { description: "Crew name." }),
    color: t.exposeString("color", { nullable: true, description: "Calendar color, `#RRGGBB`." }),
    active: t.exposeBoolean("active", { description: "Whether the crew is in use." }),
    createdAt: t.field({
      type: "DateTime",
      description: "When the crew was created upstream.",
      resolve: (c) => c.createdAt,
    }),
    updatedAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the crew last changed upstream.",
      resolve: (c) => c.updatedAt,
    }),
    location: t.field({
      type: LocationRef,
      nullable: true,
      description: "The branch the crew works from.",
      resolve: (crew, _args, context) => related<UnifiedLocation>(context, crew, "Location", crew.locationId),
    }),
    members: t.field({
      type: [EmployeeRef],
      description: "The crew's members.",
      resolve: async (crew, _args, context) => {
        const members = await Promise.all(
          crew.memberIds.map((id) => related<UnifiedEmployee>(context, crew, "Employee", id)),
        );
        return members.filter((member): member is UnifiedEmployee => member !== null);
      },
    }),
    jobs: t.field({
      type: JobConnection,
      nullable: true,
      description: "Jobs assigned to the crew, newest first.",
      args: {
        ...pagingArgs(t.arg),
        status: t.arg({ type: JobStatusEnum, required: false, description: "Only jobs in this status." }),
      },
      resolve: (crew, args, context, info) =>
        resolveList(context, info, "jobs", args, (source) =>
          source === crew.source ? { crewId: crew.sourceId, status: args.status ?? undefined } : null,
        ),
    }),
  }),
});

builder.queryFields((t) => ({
  crew: t.field({
    type: CrewRef,
    nullable: true,
    description: "A crew by global id; null when it does not exist.",
    args: { id: t.arg.id({ required: true, description: "The crew's global id." }) },
    resolve: (_root, args, context) => loadByGlobalId<UnifiedCrew>(context, args.id, "Crew"),
  }),
  crews: t.field({
    type: CrewConnection,
    nullable: true,
    description: "Crews of every source that has them (JobCloser), by name.",
    args: {
      ...pagingArgs(t.arg),
      source: t.arg({ type: SourceEnum, required: false, description: "Only this upstream's crews." }),
    },
    resolve: (_root, args, context, info) => resolveList(context, info, "crews", args, () => ({})),
  }),
}));
