-- A read-only login for Grafana, BI tools and the ERP: SELECT on the store's tables and
-- v_* views, nothing else. Password hashes and API-token hashes (users, sessions,
-- api_tokens) are not readable.
--
--   psql -v role=sf_reader -v schema=smartfactory -v password="'change me'" \
--        -f deploy/sql/readonly-role.sql factory
--
-- Run it as the role that owns the store's schema (the one smartfactory migrates with),
-- after `smartfactory migrate`; run it again after later migrations (it is idempotent).
-- The default privileges below also cover views and tables that later migrations create.

\set ON_ERROR_STOP on

SELECT NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') AS role_missing \gset
\if :role_missing
CREATE ROLE :"role" LOGIN PASSWORD :password;
\else
ALTER ROLE :"role" LOGIN PASSWORD :password;
\endif

SELECT current_database() AS dbname \gset
GRANT CONNECT ON DATABASE :"dbname" TO :"role";
GRANT USAGE ON SCHEMA :"schema" TO :"role";
GRANT SELECT ON ALL TABLES IN SCHEMA :"schema" TO :"role";
REVOKE ALL ON :"schema".users, :"schema".sessions, :"schema".api_tokens FROM :"role";
ALTER DEFAULT PRIVILEGES IN SCHEMA :"schema" GRANT SELECT ON TABLES TO :"role";

-- every session of the role: read-only, the store's schema first, bounded statements
ALTER ROLE :"role" SET default_transaction_read_only = on;
ALTER ROLE :"role" SET search_path = :"schema", public;
ALTER ROLE :"role" SET statement_timeout = '60s';
