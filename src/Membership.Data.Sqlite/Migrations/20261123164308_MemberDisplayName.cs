using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Membership.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class MemberDisplayName : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DisplayName",
                table: "Members",
                type: "TEXT",
                maxLength: 80,
                nullable: false,
                defaultValue: "");

            // Existing members take their account's name (the context keeps it in step from now on).
            migrationBuilder.Sql("UPDATE \"Members\" SET \"DisplayName\" = (SELECT \"DisplayName\" FROM \"AspNetUsers\" WHERE \"AspNetUsers\".\"Id\" = \"Members\".\"UserId\");");

            migrationBuilder.CreateIndex(
                name: "IX_Members_CreatorId_DisplayName_Id",
                table: "Members",
                columns: new[] { "CreatorId", "DisplayName", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Members_CreatorId_DisplayName_Id",
                table: "Members");

            migrationBuilder.DropColumn(
                name: "DisplayName",
                table: "Members");
        }
    }
}
