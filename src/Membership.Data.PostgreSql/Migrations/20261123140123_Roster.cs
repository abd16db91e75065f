using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Membership.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class Roster : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LifetimePaidMinor",
                table: "Members",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<string>(
                name: "Notes",
                table: "Members",
                type: "character varying(4000)",
                maxLength: 4000,
                nullable: false,
                defaultValue: "");

            migrationBuilder.CreateIndex(
                name: "IX_Members_CreatorId_JoinedAt_Id",
                table: "Members",
                columns: new[] { "CreatorId", "JoinedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Members_CreatorId_LifetimePaidMinor_Id",
                table: "Members",
                columns: new[] { "CreatorId", "LifetimePaidMinor", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Members_CreatorId_JoinedAt_Id",
                table: "Members");

            migrationBuilder.DropIndex(
                name: "IX_Members_CreatorId_LifetimePaidMinor_Id",
                table: "Members");

            migrationBuilder.DropColumn(
                name: "LifetimePaidMinor",
                table: "Members");

            migrationBuilder.DropColumn(
                name: "Notes",
                table: "Members");
        }
    }
}
