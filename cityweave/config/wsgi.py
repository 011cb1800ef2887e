import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityweave.config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, their modules) lives as long as the server: keep it
# out of the garbage collector's full passes, which otherwise scan it again and again while
# requests allocate (a full pass over it cost 50-60 ms in the middle of a request).
gc.collect()
gc.freeze()
