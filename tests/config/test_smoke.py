from django.test import Client

from plans.models import Plan


def test_it_loads_the_five_plans(db: None) -> None:
    assert sorted(Plan.objects.values_list("region__adcode", flat=True)) == [
        "410100",
        "410200",
        "410700",
        "411100",
        "411300",
    ]


def test_it_serves_a_chinese_login_page(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode()
