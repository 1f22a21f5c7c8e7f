"""Pages of devices (console side); mounted at /devices/."""

from django.urls import path

from atd.devices import views

app_name = "devices"
urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("assign/", views.device_assign_chosen, name="assign_chosen"),
    path("phone/enrol/", views.phone_enrol, name="phone_enrol"),
    path("<int:phone_device_id>/phone-setup/", views.phone_setup, name="phone_setup"),
    path("shipments/", views.shipment_list, name="shipments"),
    path("shipments/<int:shipment_id>/", views.shipment_detail, name="shipment"),
    path("<int:device_id>/", views.device_detail, name="detail"),
    path("<int:device_id>/assign/", views.device_assign, name="assign"),
    path("<int:assigned_device_id>/return/", views.device_return, name="return"),
    path("<int:assigned_device_id>/swap/", views.device_swap, name="swap"),
    path("<int:device_id>/status/", views.device_status, name="status"),
]
