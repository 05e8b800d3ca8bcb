"""The HTTP API under ``/m/taxi``: riders at the root, drivers under ``/driver``, firm staff
under ``/firm`` and the province under ``/province``; the rider's page at ``/app/`` (page.py).
The module is open to anonymous callers for the page's sake, so each view checks who may call
it, and every view of the API wants a signed-in caller at least."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request
from sieuapp.sdk import Services
from sieuapp.sdk.errors import NotFound
from sqlalchemy import select

from . import access, billing, dispatch, driving, feedback, fleet, mds, rides, stats, texts
from .inputs import Body
from .models import Driver, Offer, Ride, Vehicle
from .page import make_page_blueprint
from .tariffs import SEAT_CLASSES
from .texts import say


def make_blueprint(services: Services) -> Blueprint:
    bp = Blueprint("taxi", __name__)
    bp.register_blueprint(make_page_blueprint(services))
    bp.register_blueprint(_rider(services))
    bp.register_blueprint(_driver(services), url_prefix="/driver")
    bp.register_blueprint(_firm(services), url_prefix="/firm")
    bp.register_blueprint(_province(services), url_prefix="/province")
    return bp


def _rider(services: Services) -> Blueprint:
    bp = Blueprint("rider", __name__)

    @bp.get("/")
    def home() -> Any:
        """What the app shows first: the firms that take rides here, the car sizes, and whether
        the rider let the service use their location yet."""
        user = services.identity.require()
        operating = access.firms(services)
        return jsonify(
            firms=[{"code": c, "name": o.name} for c, o in operating.items()],
            seats=list(SEAT_CLASSES),
            location_granted=access.LOCATION_SCOPE in user.scopes,
        )

    @bp.post("/estimate")
    def estimate() -> Any:
        services.identity.require()
        return jsonify(rides.estimate(services))

    @bp.post("/rides")
    def request_ride() -> Any:
        ride = rides.request_ride(services)
        return jsonify(rides.view(services, ride)), 201

    @bp.get("/rides")
    def my_rides() -> Any:
        operating = access.firms(services)
        return jsonify(
            rides=[rides.view(services, r, operating=operating) for r in rides.mine(services)]
        )

    @bp.get("/rides/<ride_id>")
    def show(ride_id: str) -> Any:
        return jsonify(rides.view(services, rides.rider_ride(services, ride_id)))

    @bp.post("/rides/<ride_id>/cancel")
    def cancel(ride_id: str) -> Any:
        ride = rides.rider_ride(services, ride_id)
        rides.rider_cancel(services, ride)
        return jsonify(rides.view(services, ride))

    @bp.post("/rides/<ride_id>/payment")
    def pay(ride_id: str) -> Any:
        ride = rides.rider_ride(services, ride_id)
        return jsonify(billing.pay(services, ride))

    @bp.post("/rides/<ride_id>/rating")
    def rate(ride_id: str) -> Any:
        ride = rides.rider_ride(services, ride_id)
        feedback.rate(services, ride)
        return jsonify(rides.view(services, ride))

    @bp.post("/rides/<ride_id>/complaint")
    def complain(ride_id: str) -> Any:
        ride = rides.rider_ride(services, ride_id)
        return jsonify(feedback.complain(services, ride)), 201

    return bp


def _driver(services: Services) -> Blueprint:
    bp = Blueprint("driver", __name__)

    def state(driver: Driver) -> dict[str, Any]:
        session = services.db.session
        offer = session.scalar(
            select(Offer).where(Offer.driver_id == driver.id, Offer.outcome == "pending")
        )
        if offer is not None:
            ride = session.get(Ride, offer.ride_id)
            assert ride is not None
            dispatch.catch_up(services, ride)
            session.refresh(offer)
            session.refresh(driver)
        ride = (
            session.get(Ride, driver.ride_id)
            if driver.status == "busy" and driver.ride_id
            else None
        )
        return {
            **fleet.driver_view(driver),
            "offer": _offer_view(session, offer)
            if offer is not None and offer.outcome == "pending"
            else None,
            "ride": rides.view(services, ride, for_rider=False) if ride is not None else None,
        }

    @bp.get("")
    def me() -> Any:
        return jsonify(state(access.driver(services, lock=True)))

    @bp.post("/online")
    def online() -> Any:
        driver = access.driver(services, lock=True)
        driving.go_online(services, driver)
        return jsonify(state(driver))

    @bp.post("/offline")
    def offline() -> Any:
        driver = access.driver(services, lock=True)
        driving.go_offline(services, driver)
        return jsonify(state(driver))

    @bp.post("/locations")
    def locations() -> Any:
        driver = access.driver(services, lock=True)
        return jsonify(driving.report_positions(services, driver))

    @bp.post("/offers/<offer_id>/accept")
    def accept(offer_id: str) -> Any:
        driver = access.driver(services, lock=True)
        ride = rides.accept(services, driver, rides.bad_offer_id(offer_id))
        return jsonify(rides.view(services, ride, for_rider=False))

    @bp.post("/offers/<offer_id>/decline")
    def decline(offer_id: str) -> Any:
        driver = access.driver(services, lock=True)
        rides.decline(services, driver, rides.bad_offer_id(offer_id))
        return jsonify(state(driver))

    def step(ride_id: str, action: Any) -> Any:
        driver = access.driver(services, lock=True)
        ride = rides.driver_ride(services, driver, ride_id)
        action(services, driver, ride)
        return jsonify(rides.view(services, ride, for_rider=False))

    @bp.post("/rides/<ride_id>/arrived")
    def arrived(ride_id: str) -> Any:
        return step(ride_id, rides.arrive)

    @bp.post("/rides/<ride_id>/start")
    def start(ride_id: str) -> Any:
        return step(ride_id, rides.start)

    @bp.post("/rides/<ride_id>/end")
    def end(ride_id: str) -> Any:
        return step(ride_id, rides.end)

    @bp.post("/rides/<ride_id>/cancel")
    def cancel(ride_id: str) -> Any:
        return step(ride_id, rides.driver_cancel)

    @bp.post("/rides/<ride_id>/cash-received")
    def cash(ride_id: str) -> Any:
        return step(ride_id, lambda s, d, r: billing.cash_received(s, r))

    return bp


def _offer_view(session: Any, offer: Offer) -> dict[str, Any]:
    ride = session.get(Ride, offer.ride_id)
    return {
        "id": offer.id,
        "ride_id": offer.ride_id,
        "distance_m": offer.distance_m,
        "expires_at": offer.expires_at.isoformat(),
        "pickup": {"lat": ride.pickup_lat, "lon": ride.pickup_lon, "address": ride.pickup_address},
        "dropoff": {
            "lat": ride.dropoff_lat,
            "lon": ride.dropoff_lon,
            "address": ride.dropoff_address,
        },
        "seats": ride.seats,
        "estimate_m": ride.estimate_m,
    }


def _firm(services: Services) -> Blueprint:
    bp = Blueprint("firm", __name__)

    def tenant_id() -> int:
        return services.tenancy.current().id

    @bp.get("/tariffs")
    def tariffs() -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(tariffs=fleet.firm_tariffs(services.db.session, tenant_id(), firm))

    @bp.put("/tariffs/<int:seats>")
    def publish(seats: int) -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(fleet.publish_tariff(services, firm, seats, request.get_json(silent=True)))

    @bp.get("/vehicles")
    def vehicles() -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(vehicles=fleet.vehicles(services.db.session, tenant_id(), firm))

    @bp.post("/vehicles")
    def add_vehicle() -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(fleet.add_vehicle(services, firm)), 201

    @bp.patch("/vehicles/<int:vehicle_id>")
    def change_vehicle(vehicle_id: int) -> Any:
        _, firm = access.staff_firm(services)
        row = fleet.firm_vehicle(services.db.session, tenant_id(), firm, vehicle_id)
        if row is None:
            raise NotFound(say(texts.NO_VEHICLE, vehicle=vehicle_id))
        fleet.set_active(services, row, Body({"active"}).data.get("active"), "vehicle")
        return jsonify(fleet.vehicle_view(row))

    @bp.get("/drivers")
    def drivers() -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(drivers=fleet.drivers(services.db.session, tenant_id(), firm))

    @bp.post("/drivers")
    def add_driver() -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(fleet.add_driver(services, firm)), 201

    @bp.patch("/drivers/<int:driver_id>")
    def change_driver(driver_id: int) -> Any:
        _, firm = access.staff_firm(services)
        row = services.db.session.get(Driver, driver_id)
        if row is None or row.tenant_id != tenant_id() or row.firm != firm:
            raise NotFound(say(texts.NOT_DRIVER))
        fleet.set_active(services, row, Body({"active"}).data.get("active"), "driver")
        return jsonify(fleet.driver_view(row))

    @bp.get("/rides")
    def firm_rides() -> Any:
        _, firm = access.staff_firm(services)
        rows = services.db.session.scalars(
            select(Ride)
            .where(Ride.tenant_id == tenant_id(), Ride.firm == firm)
            .order_by(Ride.requested_at.desc())
            .limit(100)
        )
        operating = access.firms(services)
        return jsonify(
            rides=[rides.view(services, r, for_rider=False, operating=operating) for r in rows]
        )

    @bp.get("/stats")
    def firm_stats() -> Any:
        _, firm = access.staff_firm(services)
        return jsonify(stats.figures(services, only=firm))

    return bp


def _province(services: Services) -> Blueprint:
    bp = Blueprint("province", __name__)

    @bp.get("/mds/trips")
    def mds_trips() -> Any:
        access.province(services)
        mds.check_accept(request.headers.get("Accept", ""))
        start = mds.hour(request.args.get("end_time"))
        body = mds.trips(services, start)
        response: Response = jsonify(body)
        response.headers["Content-Type"] = mds.MEDIA_TYPE
        return response

    @bp.get("/stats")
    def province_stats() -> Any:
        access.province(services)
        return jsonify(stats.figures(services))

    @bp.get("/vehicles")
    def all_vehicles() -> Any:
        access.province(services)
        rows = services.db.session.scalars(
            select(Vehicle)
            .where(Vehicle.tenant_id == services.tenancy.current().id)
            .order_by(Vehicle.firm, Vehicle.plate)
        )
        return jsonify(vehicles=[fleet.vehicle_view(r) for r in rows])

    return bp
