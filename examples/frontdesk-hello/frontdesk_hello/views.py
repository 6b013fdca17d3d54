from pyramid.view import view_config

from frontdesk_hello.permissions import P


@view_config(
    route_name="hello.greeting",
    renderer="templates/greeting.pt",
    permission=P.GREETING_VIEW,  # "hello:greeting:view"
)
def greeting(request):
    return {"name": request.user.display_name}
