import { builder } from "./builder.js";
import "./mutations.js";
import "./subscriptions.js";
import "./types/scalars.js";
import "./types/common.js";
import "./types/node.js";
import "./types/customer.js";
import "./types/job.js";
import "./types/siteVisit.js";
import "./types/invoice.js";
import "./types/payment.js";
import "./types/lead.js";
import "./types/estimate.js";
import "./types/crew.js";
import "./types/employee.js";
import "./types/chemicalApplication.js";
import "./types/product.js";
import "./types/location.js";
import "./types/asset.js";
import "./types/vendor.js";
import "./types/webhookEndpoint.js";
import "./types/company.js";
import "./types/event.js";

/** The gateway's GraphQL schema. This file only imports: each type registers itself. */
export const schema = builder.toSchema({ sortSchema: false });
