// Compose citizen-space's subgraph SDL (argv[2]) with a stand-in national subgraph that
// extends one of our entities, the way a supergraph would. Prints the supergraph or the errors.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const ours = readFileSync(process.argv[2], "utf8");
const national = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external"])
  type Licence @key(fields: "id") {
    id: ID!
    nationalVerificationUrl: String
  }
  type Query { nationalPlatformVersion: String }
`;
const result = composeServices([
  { name: "citizen-space", typeDefs: parse(ours), url: "http://citizen-space/graphql" },
  { name: "national", typeDefs: parse(national), url: "http://national/graphql" },
]);
if (result.errors && result.errors.length) {
  for (const error of result.errors) console.error("COMPOSITION ERROR:", error.message);
  process.exit(1);
}
console.log(result.supergraphSdl);
