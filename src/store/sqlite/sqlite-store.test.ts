import { runStoreSuite } from "../store-suite.ts";
import { createSqliteStore } from "./sqlite-store.ts";

runStoreSuite({ name: "sqlite (memory)", create: () => createSqliteStore({ path: ":memory:" }) });
