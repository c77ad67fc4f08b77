"""``jixiao users`` and ``jixiao tokens``."""

from __future__ import annotations

import click

from core.cli.common import context, emit, json_option, print_json, readable_errors

ROLES = ("platform_admin", "bureau_admin", "reporter", "reviewer", "expert", "auditor")


@click.group("users")
def users() -> None:
    """Users and their roles (usernames are unique within a bureau)."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--bureau", "bureau_code", default=None, help="required except for platform_admin")
@click.option("--unit", "units", multiple=True, help="units a reporter may record for")
@click.option("--person", default=None, help="the staff record of this user (own results)")
@click.option("--name", default="")
@readable_errors
def users_create(username, role, bureau_code, units, person, name) -> None:
    from core.services import users as service

    if role == "platform_admin":
        if bureau_code:
            raise click.ClickException(
                "平台管理员不属于任何局：请不要填 --bureau "
                "(a platform admin belongs to no bureau: leave --bureau out)"
            )
        service.create_platform_admin(context(), username, name)
    else:
        if not bureau_code:
            raise click.ClickException(
                f"{role} 属于某个局：请填 --bureau (a {role} belongs to a bureau: give --bureau)"
            )
        service.create(context(), bureau_code, username, role, list(units), name, person)
    click.echo(f"created user {username} ({role})")
    where = f" --bureau {bureau_code}" if bureau_code else ""
    click.echo(
        f"设置控制台密码 (to give a console password): jixiao users password {username}{where}"
    )


@users.command("password")
@click.argument("username")
@click.option(
    "--bureau", "bureau_code", default=None, help="the user's bureau (none: a platform admin)"
)
@json_option
@readable_errors
def users_password(username: str, bureau_code: str | None, as_json: bool) -> None:
    """Print a new one-time console password for USERNAME (shown once; it must be changed
    at the first sign-in). Unlocks the account and ends the user's sessions."""
    from core.services import users as service

    done = service.reset_password(context(), bureau_code, username)
    if as_json:
        print_json(done)
        return
    click.echo(
        f"{done['username']} 的一次性密码（仅显示一次，首次登录控制台时须修改） "
        f"(one-time password for {done['username']}, shown once; "
        f"it must be changed at the first console sign-in):"
    )
    click.echo(done["password"])


@users.command("list")
@click.option("--bureau", "bureau_code", default=None, help="default: the platform admins")
@json_option
@readable_errors
def users_list(bureau_code: str | None, as_json: bool) -> None:
    from core.services import users as service

    emit(
        service.listing(context(), bureau_code),
        as_json,
        ["username", "role", "units", "person", "name"],
    )


@click.group("tokens")
def tokens() -> None:
    """API bearer tokens (stored hashed; shown once)."""


@tokens.command("create")
@click.argument("username")
@click.option(
    "--bureau", "bureau_code", default=None, help="the user's bureau (none: platform admin)"
)
@click.option("--label", default="")
@readable_errors
def tokens_create(username: str, bureau_code: str | None, label: str) -> None:
    from core.services import users as service

    click.echo(service.create_token(context(), bureau_code, username, label)["token"])


@tokens.command("list")
@click.argument("username")
@click.option("--bureau", "bureau_code", default=None)
@json_option
@readable_errors
def tokens_list(username: str, bureau_code: str | None, as_json: bool) -> None:
    from core.services import users as service

    emit(
        service.tokens(context(), bureau_code, username),
        as_json,
        ["id", "label", "created_at", "revoked"],
    )


@tokens.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
@click.option("--bureau", "bureau_code", default=None)
@readable_errors
def tokens_revoke(username: str, token_id: int, bureau_code: str | None) -> None:
    from core.services import users as service

    service.revoke_token(context(), bureau_code, username, token_id)
    click.echo(f"token {token_id} of {username} revoked")
