using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Membership.Data.PostgreSql.Migrations
{
    /// <inheritdoc />
    public partial class MonthlyTotals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "TotalsBuiltAt",
                table: "Creators",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "CohortMonthTotals",
                columns: table => new
                {
                    CreatorId = table.Column<int>(type: "integer", nullable: false),
                    CohortMonth = table.Column<int>(type: "integer", nullable: false),
                    Month = table.Column<int>(type: "integer", nullable: false),
                    PaidChange = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CohortMonthTotals", x => new { x.CreatorId, x.CohortMonth, x.Month });
                    table.ForeignKey(
                        name: "FK_CohortMonthTotals_Creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "Creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "CreatorMonthTotals",
                columns: table => new
                {
                    CreatorId = table.Column<int>(type: "integer", nullable: false),
                    Month = table.Column<int>(type: "integer", nullable: false),
                    MrrChangeMinor = table.Column<long>(type: "bigint", nullable: false),
                    PaidChange = table.Column<int>(type: "integer", nullable: false),
                    TrueFanChange = table.Column<int>(type: "integer", nullable: false),
                    FollowersJoined = table.Column<int>(type: "integer", nullable: false),
                    NewMrrMinor = table.Column<long>(type: "bigint", nullable: false),
                    ReactivationMrrMinor = table.Column<long>(type: "bigint", nullable: false),
                    ExpansionMrrMinor = table.Column<long>(type: "bigint", nullable: false),
                    ContractionMrrMinor = table.Column<long>(type: "bigint", nullable: false),
                    ChurnMrrMinor = table.Column<long>(type: "bigint", nullable: false),
                    NewMembers = table.Column<int>(type: "integer", nullable: false),
                    ReactivatedMembers = table.Column<int>(type: "integer", nullable: false),
                    ChurnedMembers = table.Column<int>(type: "integer", nullable: false),
                    FirstPaidMembers = table.Column<int>(type: "integer", nullable: false),
                    GrossMinor = table.Column<long>(type: "bigint", nullable: false),
                    PlatformFeesMinor = table.Column<long>(type: "bigint", nullable: false),
                    RefundsMinor = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_CreatorMonthTotals", x => new { x.CreatorId, x.Month });
                    table.ForeignKey(
                        name: "FK_CreatorMonthTotals_Creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "Creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "CohortMonthTotals");

            migrationBuilder.DropTable(
                name: "CreatorMonthTotals");

            migrationBuilder.DropColumn(
                name: "TotalsBuiltAt",
                table: "Creators");
        }
    }
}
