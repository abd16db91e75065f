using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Membership.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class HistoryCommitmentBefore : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "CommitmentBeforeMinor",
                table: "MembershipChanges",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "CommitmentBeforeMinor",
                table: "MembershipChanges");
        }
    }
}
