from wagtail_modeladmin.options import modeladmin_register

from .options import PilotsModelAdminGroup

modeladmin_register(PilotsModelAdminGroup)
