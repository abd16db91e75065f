using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Membership.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class RosterStatusIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_Members_CreatorId_Status",
                table: "Members",
                columns: new[] { "CreatorId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Members_CreatorId_Status",
                table: "Members");
        }
    }
}
