using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Membership.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class CreatorPortalConfiguration : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "StripePortalConfigurationId",
                table: "Creators",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StripePortalFingerprint",
                table: "Creators",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "StripePortalConfigurationId",
                table: "Creators");

            migrationBuilder.DropColumn(
                name: "StripePortalFingerprint",
                table: "Creators");
        }
    }
}
