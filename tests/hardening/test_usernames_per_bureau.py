"""Usernames are unique within a bureau (issue 8): a bureau admin creating a user whose
name exists in another bureau succeeds, and learns nothing about the other bureau; the
two are different users, each with its own bureau, permissions and tokens."""

from __future__ import annotations

from tests.hardening.refusals import Unchanged, cli_ok, refused
from tests.helpers import entries

USERS = "/api/v1/bureaus/b1/users"


def test_a_name_taken_in_another_bureau_is_free_in_this_one(client, world, platform):
    admin = world.headers("bureau_admin")

    def create(username: str, role: str = "auditor"):
        return client.post(USERS, json={"username": username, "role": role}, headers=admin)

    fresh, taken = create("zhang"), create("b2-auditor")
    assert fresh.status_code == taken.status_code == 201, taken.json
    # the answers differ only in the name: nothing about b2 is said or hinted at
    assert taken.json == {**fresh.json, "username": "b2-auditor"}
    assert "b2" not in taken.get_data(as_text=True).replace("b2-auditor", "")
    assert entries(platform, "b1")[-1].kind == "user.created"
    # platform admins' names are theirs too: a bureau may have its own "root"
    assert create("root").status_code == 201

    # two users, one name: each authenticates to its own bureau
    issued = client.post(f"{USERS}/b2-auditor/tokens", json={}, headers=admin)
    assert issued.status_code == 201, issued.json
    mine = {"Authorization": f"Bearer {issued.json['token']}"}
    me = client.get("/api/v1/me", headers=mine).json
    assert (me["username"], me["bureau"], me["role"]) == ("b2-auditor", "b1", "auditor")
    assert client.get("/api/v1/me", headers=world.headers("auditor", "b2")).json["bureau"] == "b2"
    assert client.get("/api/v1/bureaus/b2/units", headers=mine).status_code == 404

    # a name taken in this bureau is refused, saying "this bureau"
    with Unchanged(platform):
        problem = refused(create("b2-auditor", "reviewer"), 409, "username")
        assert "this bureau" in problem["errors"][0]["reason"]
    listed = client.get(USERS, headers=admin).json
    assert "b2-reviewer" not in {u["username"] for u in listed}  # b2's users stay b2's

    out = cli_ok("users", "create", "b2-reviewer", "--role", "reviewer", "--bureau", "b1")
    assert "b2" not in out.replace("b2-reviewer", "")
    assert "b1" in cli_ok("--as", "b2-reviewer@b1", "bureaus", "list")
