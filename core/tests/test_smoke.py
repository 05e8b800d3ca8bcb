def test_platform_serves_modules(make_platform, synthetic):
    synthetic("alpha")
    platform = make_platform(plugins=["alpha"], entry_points=synthetic.entry_points())
    response = platform.client().get("/api/v1/modules")
    assert response.status_code == 200, response.json
    assert [m["id"] for m in response.json["modules"]] == ["alpha"]
    hello = platform.client().get("/m/alpha/hello")
    assert hello.json == {"greeting": "xin chào", "plugin": "alpha"}
