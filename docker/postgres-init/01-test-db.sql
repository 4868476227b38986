-- Runs once, when the postgres volume is first initialised.
-- The `test` database is used by `npm test` on the host.
CREATE DATABASE test;
