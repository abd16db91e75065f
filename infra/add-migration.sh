#!/usr/bin/env bash
# Adds a migration with the same name, and the same id, to every provider's migrations project.
# Usage: infra/add-migration.sh NAME
set -euo pipefail
name=${1:?usage: infra/add-migration.sh NAME}
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet build src/Membership.Web -c Debug -v quiet -nologo >/dev/null
id="$(date -u +%Y%m%d%H%M%S)_$name"
for provider in Sqlite SqlServer PostgreSql; do
  dir="src/Membership.Data.$provider/Migrations"
  dotnet ef migrations add "$name" --no-build --project "src/Membership.Data.$provider" --output-dir Migrations
  # EF stamps each project with the second it ran; give all three the one id.
  for file in "$dir"/*_"$name".cs "$dir"/*_"$name".Designer.cs; do
    generated=$(basename "$file" | sed -E 's/^([0-9]{14}_[^.]+).*/\1/')
    [ "$generated" = "$id" ] && continue
    sed -i "s/\"$generated\"/\"$id\"/" "$file"
    mv "$file" "$dir/$id${file#"$dir/$generated"}"
  done
done
echo "Added migration $id for Sqlite, SqlServer and PostgreSql."
