# The Hello World app from Heroku's slug announcement, as a Rack app.
run lambda { |env| [200, { "Content-Type" => "text/plain" }, ["Hello World\n"]] }
