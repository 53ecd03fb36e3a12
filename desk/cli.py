"""Operator commands: `flask --app app create-staff` and `flask --app app create-api-token`."""

import click
from email_validator import EmailNotValidError, validate_email

from core.unit_of_work import unit_of_work
from desk import accounts
from desk.models import Role
from desk.staff_forms import MIN_PASSWORD_LENGTH


def _valid_email(ctx, param, value):
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise click.BadParameter(str(error)) from error


def _strong_password(ctx, param, value):
    if len(value) < MIN_PASSWORD_LENGTH:
        raise click.BadParameter(f"use at least {MIN_PASSWORD_LENGTH} characters")
    return value


@click.command("create-staff")
@click.option("--email", prompt=True, callback=_valid_email)
@click.option("--name", prompt=True)
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.ADMIN.value,
    show_default=True,
)
@click.option("--department", help="Department code; created when it does not exist yet.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    callback=_strong_password,
    help="Prompted for when not given.",
)
def create_staff_command(email, name, role, department, password):
    """Create a staff account; the second factor is enrolled at the first sign-in."""
    try:
        with unit_of_work():
            department_id = accounts.get_or_create_department(department).id if department else None
            staff = accounts.create_staff(
                email=email,
                name=name,
                role=Role(role),
                password=password,
                department_id=department_id,
            )
    except accounts.AccountError as error:
        raise click.ClickException(f"an account with e-mail {email} exists already") from error
    click.echo(f"created {staff.role.value} {staff.email} (id {staff.id})")


@click.command("create-api-token")
@click.argument("email")
def create_api_token_command(email):
    """Print a new personal API token for the staff account with this e-mail address."""
    staff = accounts.find_staff_by_email(email)
    if staff is None or not staff.active:
        raise click.ClickException(f"no active staff account with e-mail {email}")
    with unit_of_work():
        token = accounts.create_api_token(staff)
    click.echo(token)


staff_cli = [create_staff_command, create_api_token_command]
