#!/bin/sh
# Runs in the temporal-schema service of docker-compose.yml, on the temporalio/admin-tools image.
# It creates Temporal's two databases on the PostgreSQL server and brings their schemas up to the
# version that this image's temporal-sql-tool ships. Every step is safe to repeat: on an existing
# volume it applies only the schema versions that are missing, which is also how a newer Temporal
# image tag gets its schema changes.
#
# temporal-sql-tool reads the server and its credentials from SQL_PLUGIN, SQL_HOST, SQL_PORT,
# SQL_USER and SQL_PASSWORD. DBNAME and VISIBILITY_DBNAME are the database names, the same
# variables that the Temporal server reads.
set -eu

setup_database() {
  database=$1
  schema=$2
  echo "setting up database $database with schema $schema"
  # create-database succeeds when the database exists already.
  temporal-sql-tool --database "$database" create-database
  temporal-sql-tool --database "$database" setup-schema --version 0.0
  temporal-sql-tool --database "$database" update-schema --schema-name "$schema"
}

setup_database "$DBNAME" postgresql/v12/temporal
setup_database "$VISIBILITY_DBNAME" postgresql/v12/visibility
echo "Temporal schemas are up to date"
